"""Operator adapters (TOMP-API shaped): bike-share, car-share, taxi, on-demand. Built out in later work."""
