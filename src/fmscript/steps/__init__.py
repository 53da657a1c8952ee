"""fmscript.steps"""
