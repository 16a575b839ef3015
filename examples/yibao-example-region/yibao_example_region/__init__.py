"""An example yibao region plugin for the made-up region 990000."""
