"""Training, export and evaluation of imgsim's image-embedding models (PyTorch, CPU)."""
