"""Español."""

from microservices.script.phrases import Frame, Phrases, Tone

PHRASES = Phrases(
    name="Spanish",
    quotes=("\u00ab", "\u00bb"),
    lower_after_colon=True,
    function_words=frozenset(
        "el la los las un una unos unas lo de del al en con por para sin sobre entre tras "
        "desde hasta y e o u pero si cuando este esta estos estas ese esa esos esas eso esto "
        "su sus mi mis tu tus nuestro nuestra nuestros nuestras se es son hay cada todo toda "
        "todos todas que como porque muy más menos también nos les le yo nosotros ellos "
        "ellas casi".split()
    ),
    generic_points=(
        "{title} parece algo sencillo, pero detrás hay mucho más de lo que la mayoría imagina.",
        "La clave está en entender de dónde viene {title} y por qué importa hoy.",
        "Aquí los pequeños detalles lo cambian todo, y una vez que los ves, ya no puedes "
        "dejar de verlos.",
        "Quienes entienden {title} toman mejores decisiones, porque ven el patrón que hay detrás.",
        "La mejor manera de recordarlo es relacionarlo con algo que ya conoces.",
    ),
    frames={
        "storytelling": Frame(
            intro=(
                "Esta es una historia sobre {title}.",
                "Déjame contarte una historia: la historia de {title}.",
            ),
            lead=(
                "Todo empezó así:",
                "Entonces algo cambió:",
                "Y fue en ese momento cuando ocurrió:",
                "Poco después:",
                "Más tarde:",
            ),
            develop=(
                "Nadie lo vio venir, y sin embargo todas las señales estaban ahí desde el "
                "principio.",
                "Toda historia tiene un momento en el que todo puede cambiar, y este era ese "
                "momento.",
                "Es el tipo de detalle que se queda contigo mucho después de que la historia "
                "termina.",
                "Y aquí es donde {title} deja de ser solo una historia y se convierte en una "
                "lección.",
            ),
            outro=(
                "Y esa es la historia de {title}.",
                "Así termina la historia de {title}, al menos por ahora.",
            ),
        ),
        "youtube_short": Frame(
            intro=(
                "{title}: esto es lo que necesitas saber en menos de un minuto.",
                "Sesenta segundos sobre {title}. ¡Vamos!",
            ),
            lead=(
                "Primero:",
                "Después:",
                "Además:",
                "Y también:",
                "Por si fuera poco:",
                "Una cosa más:",
            ),
            develop=(
                "Parece poca cosa, pero lo cambia todo.",
                "La mayoría de la gente se pierde esta parte.",
                "Tenlo en cuenta, es importante.",
                "Esa es la parte que nadie te cuenta.",
            ),
            outro=(
                "Eso es {title} en menos de un minuto.",
                "Ahora ya conoces lo esencial de {title}.",
            ),
        ),
        "explanation": Frame(
            intro=(
                "Hoy te explicamos {title}, paso a paso, para que por fin tenga sentido.",
                "¿Qué es exactamente {title} y por qué importa? Vamos a desmontarlo, pieza "
                "por pieza.",
            ),
            lead=("Punto {n}:",),
            develop=(
                "¿Por qué es importante? Porque condiciona todo lo que viene después.",
                "En otras palabras, los detalles no son casuales: siguen una lógica clara.",
                "Una forma sencilla de imaginarlo: piensa que se lo explicas a un amigo con "
                "un café delante.",
                "Aquí es también donde empiezan la mayoría de los malentendidos sobre {title}.",
                "Juntas, estas piezas forman una imagen más fácil de entender de lo que "
                "parecía al principio.",
            ),
            outro=(
                "Así que eso es {title}, explicado: la idea, las razones y lo que significa "
                "en la práctica.",
                "En resumen, {title} se reduce a unas pocas ideas claras, y ahora ya las tienes.",
            ),
        ),
        "commercial": Frame(
            intro=("Te presentamos {title}.", "Conoce {title}: pensado para quienes quieren más."),
            lead=(
                "Te contamos por qué:",
                "Y además:",
                "Por si fuera poco:",
                "Sin olvidar:",
                "Y lo mejor de todo:",
            ),
            develop=(
                "Te ahorra tiempo, y simplemente funciona.",
                "Diseñado con cuidado, hecho para durar.",
                "Pruébalo una vez y te preguntarás cómo te las arreglabas antes.",
            ),
            outro=("{title}: pruébalo hoy mismo.", "No esperes más: descubre {title} ahora."),
        ),
        "inspirational": Frame(
            intro=(
                "Hablemos de {title} y de todo lo que eres capaz de lograr.",
                "{title}: un recordatorio de que todo gran cambio empieza con un solo paso.",
            ),
            lead=(
                "Recuerda esto:",
                "Y después esto:",
                "Y también esto:",
                "Nunca lo olvides:",
                "Y sobre todo:",
            ),
            develop=(
                "Cada tropiezo prepara un regreso más fuerte.",
                "No hace falta ser perfecto; solo hace falta empezar.",
                "Las personas que admiras empezaron exactamente donde tú estás ahora.",
                "El progreso es silencioso, pero se acumula, día tras día.",
            ),
            outro=(
                "Así que toma lo que {title} te enseña y hazlo tuyo.",
                "Tu próximo paso empieza ahora, con {title} como guía.",
            ),
        ),
        "educational": Frame(
            intro=(
                "En esta lección estudiamos {title}: qué es, cómo funciona y por qué importa.",
                "La lección de hoy es {title}. Al final, podrás explicarlo con tus propias "
                "palabras.",
            ),
            lead=("Idea clave número {n}:",),
            develop=(
                "Tómate un momento para anotarlo, porque vamos a construir sobre esto.",
                "Una buena manera de comprobar que lo has entendido es explicarlo a tu manera.",
                "Fíjate en cómo se conecta con lo que acabamos de ver.",
                "Una pregunta rápida para ponerte a prueba: ¿podrías dar un ejemplo?",
            ),
            outro=(
                "Repasemos: eso fue {title}, sus ideas clave y cómo encajan entre sí.",
                "Con esto termina nuestra lección sobre {title}. Intenta explicárselo hoy a "
                "otra persona.",
            ),
        ),
        "tutorial": Frame(
            intro=(
                "En este tutorial aprenderás {title}, paso a paso.",
                "Así se hace: {title}, de principio a fin.",
            ),
            lead=("Paso {n}:",),
            develop=(
                "Tómate tu tiempo con este paso; hará más fáciles los siguientes.",
                "Si algo no funciona, vuelve atrás y revisa el paso anterior.",
                "Un consejo rápido: ten a mano todo lo que necesitas antes de continuar.",
                "Una vez hecho esto, ya puedes seguir adelante.",
            ),
            outro=(
                "Y eso es todo: has completado {title}.",
                "Ahora ya sabes manejar {title} por tu cuenta.",
            ),
        ),
    },
    tones={
        "educational": Tone(
            opener=("Hoy vamos a aprender algo útil.", "Esto es algo que vale la pena entender."),
            aside=(
                "Fíjate en el razonamiento, no solo en los datos.",
                "Es un buen momento para hacer una pausa y conectar las ideas.",
                "Recuerda: comprender es mejor que memorizar.",
                "Apunta esta idea, porque volverá a aparecer.",
            ),
            closer=(
                "Sigue aprendiendo y sigue preguntándote por qué.",
                "Repásalo mañana una vez más y no se te olvidará.",
            ),
        ),
        "inspirational": Tone(
            opener=(
                "Eres capaz de mucho más de lo que imaginas.",
                "Hoy es un buen día para empezar.",
            ),
            aside=(
                "Créetelo.",
                "¡Tú puedes!",
                "Cada paso cuenta, incluso el más pequeño.",
                "Tu esfuerzo importa más de lo que crees.",
                "¡Sigue adelante!",
            ),
            closer=(
                "¡Sal ahí fuera y hazlo realidad!",
                "Lo mejor está por llegar, así que sigue avanzando.",
            ),
        ),
        "comedic": Tone(
            opener=(
                "Bueno, agárrate, porque esto es más gracioso de lo que debería.",
                "Aviso: esto se va a poner un poco absurdo.",
            ),
            aside=(
                "Sí, de verdad. Lo comprobé. Dos veces.",
                "Si suena absurdo, es porque lo es, un poquito.",
                "A mi gato no le impresionó, pero a mi gato nunca le impresiona nada.",
                "No te rías. Bueno, ríete un poco.",
                "Giro inesperado: en realidad tiene sentido.",
            ),
            closer=(
                "Si has sonreído aunque sea una vez, misión cumplida.",
                "Cuéntaselo a un amigo y haz como si lo supieras desde siempre.",
            ),
        ),
        "dramatic": Tone(
            opener=(
                "Todo lo que creías saber está a punto de cambiar.",
                "Escucha con atención. Esto importa.",
            ),
            aside=(
                "Piénsalo.",
                "Y entonces... silencio.",
                "Nada volvería a ser igual.",
                "Nunca hubo tanto en juego.",
                "Un instante. Una decisión.",
            ),
            closer=("La pregunta es: ¿qué vas a hacer ahora?", "Recuerda este momento."),
        ),
        "casual": Tone(
            opener=("Oye, mira, la cosa es así.", "Venga, vamos a hacerlo sencillo."),
            aside=(
                "Genial, ¿no?",
                "No es nada del otro mundo, pero está bien saberlo.",
                "La verdad, es la parte que más me gusta.",
                "Quédate conmigo, que esto mejora.",
                "Fácil, ¿no?",
            ),
            closer=(
                "Pues eso es todo por mi parte. ¡Nos vemos!",
                "Así que nada, pruébalo y ya me contarás.",
            ),
        ),
        "professional": Tone(
            opener=(
                "A continuación, una visión general concisa.",
                "Centrémonos en lo más importante.",
            ),
            aside=(
                "Esto tiene un impacto directo en los resultados.",
                "Los hechos respaldan este enfoque de forma constante.",
                "Es un punto práctico sobre el que conviene actuar.",
                "La claridad en esta fase ahorra tiempo y recursos más adelante.",
            ),
            closer=(
                "Gracias por su atención.",
                "Los próximos pasos son claros y concretos.",
            ),
        ),
    },
)
