"""The compatibility model in the app: which one is active and why (`service.ModelService`),
training it on a wardrobe's outfits and feedback, evaluating it, and turning a wardrobe into a
training set (`wardrobe_data`). The model itself, its losses and training loop are in `models/`."""
