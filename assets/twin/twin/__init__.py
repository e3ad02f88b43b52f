"""The local twin: the real LiteLLM proxy, configured from the synthesized reference deployment, on loopback only."""
