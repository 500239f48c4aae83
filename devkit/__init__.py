"""Test and benchmark support, shared by `tests/` and `benchmarks/`: tiny real models
(`tiny_models`) and synthetic photos (`imaging`). Never imported by the app."""
