"""Set-level steps over stored records: copies, entity resolution, stories, source profiles."""
