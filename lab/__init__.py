"""avi-dsr's QEMU datapath lab (see lab/README.md). Host side: `python -m lab.runner`."""
