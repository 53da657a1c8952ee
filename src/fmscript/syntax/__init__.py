"""fmscript.syntax"""
