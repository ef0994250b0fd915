"""Sharing: what of a record may leave the instance, and the log of what left.

- `projection`: the non-nominal projection of each record type, derived from the `NOMINAL` and
  `FREE_TEXT` column tags and the extension fields' `nominal` flags.
- `payload`: the versioned envelope and its JSON schema (docs/sharing-payload.schema.json).
- `checks`: validators' checked versions of free text, and photo checks.
- `exports`: the export log to the global database, driven by record events, and the
  `GlobalPeerSender` seam that icomm's transport implements.
- `receive`: the receiving side's refusal of any nominal field (global mode).
- `batch`: CSV/XLSX batch files for hand uploads.
See docs/sharing.md.
"""
