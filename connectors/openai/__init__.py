"""OpenAI's Chat Completions API as a language model of the hub, through the official `openai` SDK."""
