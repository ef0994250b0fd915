"""In-process test module `cargo`: one searchable entity type, `Shipment`."""
