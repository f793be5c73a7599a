"""tally: count confidence votes (lấy phiếu tín nhiệm) and produce signed minutes."""

__version__ = "0.1.0"
TOOL_NAME = "tally"
