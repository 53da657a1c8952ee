"""fmscript.runtime"""
