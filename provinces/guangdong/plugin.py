"""placeholder until the provinces land"""
