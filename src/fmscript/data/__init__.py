"""fmscript.data"""
