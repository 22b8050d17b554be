"""The indicator register: register.xlsx in, a checked Register (indicators, service areas, settings) out."""
