"""Per-lesson release of prepaid fees (一课一消): the education bureau approves lessons
given and confirmed, the bank holding the custody account pays them to the
institution, exactly once. Rules without I/O (``rules``), the hub's outbox
(``store``), the workflow (``service``)."""
