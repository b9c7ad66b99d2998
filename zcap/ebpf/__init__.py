"""eBPF without libbpf: the instruction set as data (``isa``), the bpf()
syscall (``syscall``), classic BPF translated to eBPF (``cbpf``) and zcap's
XDP capture program (``xdp_prog``)."""
