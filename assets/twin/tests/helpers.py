"""Small helpers shared by the twin's tests."""
import time


def wait_for_metric_lines(proxy, mark, count, timeout=15.0, settle=1.0):
    """The metric lines after ``mark`` once at least ``count`` arrived, plus any that arrive within ``settle`` seconds
    more (so that a test sees extra lines instead of missing them). Bounded by ``timeout``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and len(proxy.metric_lines(mark)) < count:
        time.sleep(0.2)
    time.sleep(settle)
    return proxy.metric_lines(mark)


def fallback_pair(reference, key='fallbacks'):
    """(primary alias, first fallback alias) from the rendered router_settings.<key>."""
    entries = reference.config['router_settings'].get(key) or []
    assert entries, f'the reference config has no router_settings.{key}'
    (primary, targets), = entries[0].items()
    return primary, targets[0]


def alias_without_fallback(reference, avoid_model_ids=()):
    """An alias that has no fallbacks and whose model id is not in ``avoid_model_ids``."""
    router = reference.config['router_settings']
    with_fallbacks = {alias for key in ('fallbacks', 'context_window_fallbacks')
                      for e in router.get(key) or [] for alias in e}
    ids = reference.model_ids()
    for alias, model_id in ids.items():
        if alias not in with_fallbacks and model_id not in avoid_model_ids:
            return alias
    raise AssertionError('the reference has no alias without fallbacks')
