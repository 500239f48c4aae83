"""From one photo to what an item stores: loading and validating (`images`), background removal
(`background`), the FashionCLIP encoder (`encoder`), zero-shot tags and colours (`tagging`),
garment regions of full-body photos (`pose_model` finds the body's joints, `garment_regions`
cuts top / bottom / shoes from them; `bodycrop` keeps the seed's fixed rows as the fallback),
and all of it together (`item_builder`).
Nothing here touches a database or the vector index, and nothing writes to disk except the
set-up step `python -m core.photos.pose_model --fetch`."""
