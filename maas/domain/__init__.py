"""The product's vocabulary: value objects, aggregates and the ports adapters implement."""
