"""Packet sources: each hands out batches of packets that live in memory the
kernel shares with us, and takes them back when every sink is done."""
