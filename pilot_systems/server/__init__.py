"""The HTTP side of the simulated REST pilots: request handling, fault injection, rate limiting."""
