"""E-mail: a dashboard workbook and the register in, a message with its RAG summary out, sent or saved as .eml."""
