"""fmscript.ai.jobs"""
