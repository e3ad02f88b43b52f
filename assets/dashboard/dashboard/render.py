"""Draws the synthesized dashboard as CloudWatch lays it out (24-column grid, each widget at its x, y, width,
height) with the values the evaluator computes from the callback's lines, and the alarms below it.

    python -m dashboard.render --cdk-out <dir> --lines <jsonl> [--lines <jsonl>…] [--caption <text>] --out <png>

Pillow only; DejaVu Sans when the system has it, else Pillow's own font.
"""
from __future__ import annotations

import argparse
import datetime
import json
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from .agents import agent_lines
from .evaluate import Evaluation, WidgetResult, evaluate, fmt
from .insights import event_time
from .template import load_stack

COL, ROW, PAD = 64, 40, 6
MARGIN = 16
COLORS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b']
GRAY, LIGHT, DARK = '#879596', '#eaeded', '#16191f'


def _font(size: int, bold: bool = False):
    name = 'DejaVuSans-Bold.ttf' if bold else 'DejaVuSans.ttf'
    for folder in ('/usr/share/fonts/truetype/dejavu', '/usr/share/fonts/dejavu'):
        path = Path(folder) / name
        if path.exists():
            return ImageFont.truetype(str(path), size)
    return ImageFont.load_default(size=size)


F = {'title': _font(15, True), 'text': _font(13), 'small': _font(11), 'big': _font(30, True), 'h2': _font(19, True)}


def _clip(draw, text, font, width):
    if draw.textlength(text, font=font) <= width:
        return text
    while text and draw.textlength(text + '…', font=font) > width:
        text = text[:-1]
    return text + '…'


def _short(label: str) -> str:
    return label.replace('us.anthropic.', '').replace('-v1:0', '')


def _hhmm(t: float) -> str:
    return datetime.datetime.fromtimestamp(t, datetime.timezone.utc).strftime('%H:%M')


def _graph(draw, w: WidgetResult, box):
    x0, y0, x1, y1 = box
    if not w.has_source:
        draw.text(((x0 + x1) / 2, (y0 + y1) / 2), 'No data in the twin: an AWS metric\n(ECS / load balancer) of the deployment',
                  fill=GRAY, font=F['text'], anchor='mm', align='center')
        return
    legend_h = 18 * ((len(w.series) + 1) // 2)
    px0, py0, px1, py1 = x0 + 58, y0 + 8, x1 - 12, y1 - 22 - legend_h
    values = [v for _, s in w.series for v in s if v is not None]
    ymax = max(values) if values else 1
    if w.widget['properties'].get('stacked'):
        ymax = max([sum(s[i] or 0 for _, s in w.series) for i in range(len(w.starts))] or [1])
    y_axis = w.widget['properties'].get('yAxis', {}).get('left', {})
    ymax = y_axis.get('max', ymax * 1.15 or 1)
    ymin = y_axis.get('min', 0)
    draw.rectangle([px0, py0, px1, py1], outline=LIGHT)
    for i in range(5):
        v = ymin + (ymax - ymin) * i / 4
        y = py1 - (py1 - py0) * i / 4
        draw.line([px0, y, px1, y], fill=LIGHT)
        draw.text((px0 - 6, y), fmt(float(v), 3), fill=GRAY, font=F['small'], anchor='rm')
    n = len(w.starts)
    xs = [px0 + (px1 - px0) * (i + 0.5) / n for i in range(n)]
    for i, t in enumerate(w.starts):
        draw.text((xs[i], py1 + 4), _hhmm(t), fill=GRAY, font=F['small'], anchor='mt')
    base = [0.0] * n
    for k, (label, s) in enumerate(w.series):
        color = COLORS[k % len(COLORS)]
        points = []
        for i, v in enumerate(s):
            if v is None:
                continue
            top = (base[i] + v) if w.widget['properties'].get('stacked') else v
            y = py1 - (py1 - py0) * (top - ymin) / ((ymax - ymin) or 1)
            points.append((xs[i], y, v))
            if w.widget['properties'].get('stacked'):
                base[i] += v
        if len(points) > 1:
            draw.line([(x, y) for x, y, _ in points], fill=color, width=2)
        for x, y, v in points:
            draw.ellipse([x - 4, y - 4, x + 4, y + 4], fill=color)
            # side by side, so that the labels of close values do not overlap
            draw.text((x + 8 + 46 * k, y - 3), fmt(v, 3), fill=color, font=F['small'], anchor='ls')
        lx = x0 + 12 + (k % 2) * (x1 - x0) / 2
        ly = y1 - legend_h - 2 + 18 * (k // 2)
        draw.rectangle([lx, ly + 4, lx + 10, ly + 14], fill=color)
        draw.text((lx + 16, ly + 2), _clip(draw, _short(label), F['small'], (x1 - x0) / 2 - 36), fill=DARK, font=F['small'])


def _value(draw, w: WidgetResult, box):
    x0, y0, x1, y1 = box
    cell = (x1 - x0) / max(1, len(w.series))
    for k, (label, s) in enumerate(w.series):
        cx = x0 + cell * k + 14
        draw.text((cx, y0 + 10), _short(label), fill=GRAY, font=F['text'])
        value = s[0] if s else None
        text = f'{value:.4f}' if isinstance(value, float) and 0 < value < 1 else fmt(value)
        draw.text((cx, y0 + 34), text, fill=DARK, font=F['big'])


def _table(draw, w: WidgetResult, box):
    x0, y0, x1, y1 = box
    rows = w.rows
    if not rows:
        draw.text((x0 + 12, y0 + 12), 'No data', fill=GRAY, font=F['text'])
        return
    columns = list(rows[0].keys())
    width = (x1 - x0 - 16) / len(columns)
    y = y0 + 6
    for c, name in enumerate(columns):
        draw.text((x0 + 8 + c * width, y), name, fill=DARK, font=F['small'])
    y += 18
    draw.line([x0 + 6, y, x1 - 6, y], fill=LIGHT)
    for row in rows:
        if y + 18 > y1:
            draw.text((x0 + 8, y), f'… {len(rows)} rows', fill=GRAY, font=F['small'])
            break
        for c, name in enumerate(columns):
            v = row[name]
            if name.startswith('bin('):
                text = datetime.datetime.fromtimestamp(v, datetime.timezone.utc).strftime('%Y-%m-%d %H:%M')
            elif isinstance(v, float) and 0 < v < 1:
                text = f'{v:.6f}'
            else:
                text = fmt(v)
            draw.text((x0 + 8 + c * width, y + 3), _clip(draw, text, F['small'], width - 6), fill=DARK, font=F['small'])
        y += 18


def render(ev: Evaluation, out: Path, caption: str) -> None:
    bottom = max(w.widget['y'] + w.widget['height'] for w in ev.widgets)
    alarm_h = 40 + 24 * len(ev.alarms)
    width = MARGIN * 2 + 24 * COL
    height = MARGIN * 2 + 40 + bottom * ROW + alarm_h + 30
    img = Image.new('RGB', (width, height), '#f2f3f3')
    draw = ImageDraw.Draw(img)
    draw.text((MARGIN, MARGIN), 'LLM gateway dashboard, drawn from the synthesized template', fill=DARK, font=F['h2'])
    top = MARGIN + 40
    for w in ev.widgets:
        g = w.widget
        x0 = MARGIN + g['x'] * COL + PAD / 2
        y0 = top + g['y'] * ROW + PAD / 2
        x1 = x0 + g['width'] * COL - PAD
        y1 = y0 + g['height'] * ROW - PAD
        if w.kind == 'text':
            draw.text((x0 + 4, (y0 + y1) / 2), w.title.lstrip('# '), fill=DARK, font=F['h2'], anchor='lm')
            continue
        draw.rectangle([x0, y0, x1, y1], fill='white', outline='#d5dbdb')
        draw.text((x0 + 10, y0 + 8), _clip(draw, w.title, F['title'], x1 - x0 - 20), fill=DARK, font=F['title'])
        inner = (x0, y0 + 30, x1, y1)
        {'graph': _graph, 'value': _value, 'table': _table}[w.kind](draw, w, inner)
    y = top + bottom * ROW + 10
    draw.text((MARGIN, y), 'Alarms (not on the dashboard), over the same lines and then silence', fill=DARK, font=F['h2'])
    y += 34
    for a in ev.alarms:
        if not a.has_source:
            state, color = 'NO DATA IN THE TWIN', GRAY
        elif a.fires:
            state, color = 'WOULD FIRE', '#d13212'
        else:
            state, color = 'OK', '#1d8102'
        draw.rectangle([MARGIN, y, MARGIN + 190, y + 20], fill=color)
        draw.text((MARGIN + 95, y + 10), state, fill='white', font=F['small'], anchor='mm')
        peak = max((v for v in a.series if v is not None), default=None)
        desc = a.alarm.description.replace('LLM gateway: ', '')
        detail = (f'{desc}: threshold {fmt(a.alarm.threshold)}, {a.alarm.datapoints_to_alarm} of '
                  f'{a.alarm.evaluation_periods} periods; peak {fmt(peak, 3)}')
        draw.text((MARGIN + 200, y + 3), detail, fill=DARK, font=F['text'])
        y += 24
    draw.text((MARGIN, height - MARGIN - 14), caption, fill=GRAY, font=F['small'])
    out.parent.mkdir(parents=True, exist_ok=True)
    img.save(out, optimize=True)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--cdk-out', required=True, help='a synthesized reference (cdk.out folder)')
    parser.add_argument('--lines', required=True, action='append',
                        help="a file of the callback's lines (JSON lines); repeat for several")
    parser.add_argument('--agents', action='store_true', help='add the constructed lines of two agents (agents.py)')
    parser.add_argument('--caption', default='', help='where the lines come from, printed under the picture')
    parser.add_argument('--out', required=True)
    args = parser.parse_args(argv)
    lines = [json.loads(x) for path in args.lines for x in Path(path).read_text().splitlines() if x.strip()]
    if args.agents:
        lines += agent_lines(min(event_time(x) for x in lines) + 1)
    ev = evaluate(load_stack(args.cdk_out), lines)
    caption = f'{args.caption} ' if args.caption else ''
    render(ev, Path(args.out), f'{caption}{len(lines)} lines. Times UTC, 5-minute periods.')
    print(f'wrote {args.out}: {len(ev.widgets)} widgets, {len(ev.alarms)} alarms, {len(lines)} lines')


if __name__ == '__main__':
    main()
