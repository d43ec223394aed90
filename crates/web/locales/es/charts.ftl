# Charts beside tables: what a screen reader hears as each chart's description.
chart-scale = Cada barra es una proporción de 0 a 100 por ciento, nombrada por su valor; la tabla junto al gráfico tiene todos los números.
chart-withheld-none = Ningún valor está oculto.
chart-withheld-one = 1 valor está oculto y no se dibuja.
chart-withheld = { $count } valores están ocultos y no se dibujan.
chart-empty = No hay barras que dibujar.
chart-count-scale = Cada barra está dibujada a escala, la más larga para { $max }, y nombrada por su valor; la tabla junto al gráfico tiene todos los números.
