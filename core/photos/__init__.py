"""From one photo to what an item stores: loading and validating (`images`), background removal
(`background`), the FashionCLIP encoder (`encoder`), zero-shot tags and colours (`tagging`),
garment bands of full-body photos (`bodycrop`), and all of it together (`item_builder`).
Nothing here touches a database, the vector index or the disk."""
