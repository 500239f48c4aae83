"""Ranking complete outfits from a wardrobe: `OutfitRanker` (`ranker`) over an exact bounded
search (`search`), with projections cached per model and pool (`latent_cache`); `retrieval`
narrows very large wardrobes before the exact ranking. A new ranking signal goes here."""

from core.ranking.ranker import OutfitRanker, RankedOutfit, weakest_pair

__all__ = ["OutfitRanker", "RankedOutfit", "weakest_pair"]
