"""Templates for services: the register in, blank register and locked return workbooks out."""
