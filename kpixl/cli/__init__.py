"""The command line: arguments in, one library call, text and an exit status out."""
