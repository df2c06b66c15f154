"""The fictional demo region 山吹町 (Yamabuki Town) and the generator of its fixture files."""
