"""Fujian (福建, 350000) and Xiamen (厦门, 350200): internet-hospital online settlement."""
