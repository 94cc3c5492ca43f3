"""Anthropic's Messages API as a language model of the hub, through the official `anthropic` SDK."""
