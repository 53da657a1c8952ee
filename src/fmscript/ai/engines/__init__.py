"""fmscript.ai.engines"""
