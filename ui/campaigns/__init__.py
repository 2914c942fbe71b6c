"""Campaigns (专项行动) and their stages."""
