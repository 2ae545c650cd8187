"""Replies to attorneys: which situation, the wording from templates/, loop prevention."""
