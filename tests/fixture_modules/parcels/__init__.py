"""In-process test module `parcels`: one searchable entity type, `Parcel`."""
