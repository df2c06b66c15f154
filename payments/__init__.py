"""Payment adapters: the only package that imports stripe. Built out in later work."""
