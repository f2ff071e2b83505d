"""Import sources: asset systems whose records become `AssetFacts`, keyed by reference.

Each module maps one platform's records; neither writes anything anywhere.
"""
