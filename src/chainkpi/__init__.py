"""chainkpi: the industrial-chain offices' 双招双引 KPI warehouse."""

__version__ = "0.1.0"
