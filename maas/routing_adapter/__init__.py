"""Maps the routing library's types to the domain's and back."""
