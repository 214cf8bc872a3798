"""The model seam (an OpenAI-compatible chat endpoint) and the prompt templates."""
