"""fmscript.ai"""
