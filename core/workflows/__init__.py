"""The core engine's workflows: identify, settle (and undo), reversal, sign-in sessions,
reconcile and clear.  Nothing here knows a province: regional differences come from the
region profile and the plugin hooks.
"""
