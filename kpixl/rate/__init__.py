"""Rating: accepted figures and the register in, RAG ratings, YTDs, alerts and directions out (pure functions, no I/O)."""
