"""Problem flagging, the tasking log and assessment of responses."""
