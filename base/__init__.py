"""The shared base every layer may import: configuration (environment variables with
defaults), the plain records the services hand out, and the vocabulary (categories, slots,
sub-types, seasons) defined once. It imports nothing of the project's own."""
