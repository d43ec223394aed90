# Charts beside tables: what a screen reader hears as each chart's description.
chart-scale = Each bar is a share from 0 to 100 percent, named by its value; the table beside the chart has every number.
chart-withheld-none = No value is withheld.
chart-withheld-one = 1 value is withheld and not drawn.
chart-withheld = { $count } values are withheld and not drawn.
chart-empty = No bar to draw.
chart-count-scale = Each bar is drawn to scale, the longest for { $max }, and named by its value; the table beside the chart has every number.
