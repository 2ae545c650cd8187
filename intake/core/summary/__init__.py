"""Clerk summaries: the HTML page and PDF packet of a request, the index page, the digest."""
