"""What the JSON task API shares: credentials in, envelopes out, rate limits, errors, docs."""
