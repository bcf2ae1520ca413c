"""Português (do Brasil, as the audio service's Portuguese voice speaks it)."""

from microservices.script.phrases import Frame, Phrases, Tone

PHRASES = Phrases(
    name="Portuguese (Brazilian)",
    quotes=("\u201c", "\u201d"),
    lower_after_colon=True,
    function_words=frozenset(
        "o a os as um uma uns umas de do da dos das em no na nos nas com por pelo pela para "
        "pra sem sobre entre e ou mas se quando este esta estes estas esse essa esses essas "
        "isso isto aquele aquela seu sua seus suas meu minha nosso nossa cada todo toda todos "
        "todas que como porque muito mais menos também não é são há eu você vocês ele ela "
        "eles elas nós ao aos à às aqui".split()
    ),
    generic_points=(
        "{title} parece simples, mas existe muito mais por trás do que a maioria imagina.",
        "O segredo é entender de onde vem {title} e por que isso importa hoje.",
        "Aqui, os pequenos detalhes mudam tudo, e depois que você os percebe, não consegue "
        "mais ignorá-los.",
        "Quem entende {title} toma decisões melhores, porque enxerga o padrão por trás.",
        "A melhor forma de lembrar é ligar isso a algo que você já conhece.",
    ),
    frames={
        "storytelling": Frame(
            intro=(
                "Esta é uma história sobre {title}.",
                "Deixe-me contar uma história: a história de {title}.",
            ),
            lead=(
                "Tudo começou assim:",
                "Então algo mudou:",
                "E foi nesse momento que aconteceu:",
                "Pouco depois:",
                "Mais tarde:",
            ),
            develop=(
                "Ninguém esperava por isso, e mesmo assim todos os sinais estavam lá desde o "
                "início.",
                "Toda história tem um momento em que tudo pode mudar, e aquele era esse momento.",
                "É o tipo de detalhe que fica com você muito tempo depois que a história termina.",
                "E é aqui que {title} deixa de ser apenas uma história e se torna uma lição.",
            ),
            outro=(
                "E essa é a história de {title}.",
                "Assim termina a história de {title}, pelo menos por enquanto.",
            ),
        ),
        "youtube_short": Frame(
            intro=(
                "{title}: veja o que você precisa saber em menos de um minuto.",
                "Sessenta segundos sobre {title}. Vamos lá.",
            ),
            lead=(
                "Primeiro:",
                "Depois:",
                "Além disso:",
                "E mais:",
                "Tem mais:",
                "Só mais uma coisa:",
            ),
            develop=(
                "Parece pouco, mas muda tudo.",
                "A maioria das pessoas deixa isso passar.",
                "Guarde isso, é importante.",
                "É a parte que ninguém te conta.",
            ),
            outro=(
                "Isso é {title} em menos de um minuto.",
                "Agora você já sabe o essencial sobre {title}.",
            ),
        ),
        "explanation": Frame(
            intro=(
                "Hoje vamos explicar {title}, passo a passo, para que finalmente faça sentido.",
                "O que é exatamente {title}, e por que isso importa? Vamos destrinchar tudo, "
                "parte por parte.",
            ),
            lead=("Ponto {n}:",),
            develop=(
                "Por que isso é importante? Porque influencia tudo o que vem depois.",
                "Em outras palavras, os detalhes não são aleatórios: eles seguem uma lógica clara.",
                "Um jeito simples de imaginar: pense que você está explicando isso para um "
                "amigo durante um café.",
                "É também aqui que começa a maioria dos mal-entendidos sobre {title}.",
                "Juntas, essas peças formam um quadro mais fácil de entender do que parecia "
                "no início.",
            ),
            outro=(
                "Então isso é {title}, explicado: a ideia, os motivos e o que isso significa "
                "na prática.",
                "No fim das contas, {title} se resume a poucas ideias claras, e agora você já "
                "as conhece.",
            ),
        ),
        "commercial": Frame(
            intro=("Apresentamos {title}.", "Conheça {title}: feito para quem quer mais."),
            lead=(
                "Veja por quê:",
                "E mais:",
                "Além disso:",
                "Sem falar que:",
                "E o melhor de tudo:",
            ),
            develop=(
                "Economiza o seu tempo, e simplesmente funciona.",
                "Feito com cuidado, pensado para durar.",
                "Experimente uma vez e você vai se perguntar como vivia sem isso.",
            ),
            outro=(
                "{title}: experimente hoje mesmo.",
                "Não espere mais: descubra {title} agora.",
            ),
        ),
        "inspirational": Frame(
            intro=(
                "Vamos falar sobre {title}, e sobre tudo aquilo de que você é capaz.",
                "{title}: um lembrete de que toda grande mudança começa com um único passo.",
            ),
            lead=(
                "Lembre-se disto:",
                "E depois disto:",
                "E também disto:",
                "Nunca se esqueça:",
                "E acima de tudo:",
            ),
            develop=(
                "Cada tropeço prepara uma volta por cima.",
                "Não é preciso ser perfeito; basta começar.",
                "As pessoas que você admira começaram exatamente onde você está agora.",
                "O progresso é silencioso, mas se acumula, dia após dia.",
            ),
            outro=(
                "Então pegue o que {title} ensina e faça disso algo seu.",
                "O seu próximo passo começa agora, com {title} como guia.",
            ),
        ),
        "educational": Frame(
            intro=(
                "Nesta aula, vamos estudar {title}: o que é, como funciona e por que é importante.",
                "A aula de hoje é sobre {title}. No final, você vai conseguir explicar tudo "
                "com as suas próprias palavras.",
            ),
            lead=("Ideia-chave número {n}:",),
            develop=(
                "Tire um momento para anotar isso, porque vamos construir em cima disso.",
                "Uma boa forma de verificar se você entendeu é explicar isso do seu jeito.",
                "Repare como isso se conecta com o que acabamos de ver.",
                "Uma pergunta rápida para você se testar: conseguiria dar um exemplo disso?",
            ),
            outro=(
                "Recapitulando: vimos {title}, as ideias-chave e como elas se encaixam.",
                "Assim terminamos a nossa aula sobre {title}. Tente explicar isso para alguém "
                "hoje.",
            ),
        ),
        "tutorial": Frame(
            intro=(
                "Neste tutorial, você vai aprender {title}, passo a passo.",
                "Veja como fazer: {title}, do começo ao fim.",
            ),
            lead=("Passo {n}:",),
            develop=(
                "Não tenha pressa nesta etapa; ela facilita as próximas.",
                "Se algo não funcionar, volte e confira a etapa anterior.",
                "Uma dica rápida: deixe tudo o que você precisa ao alcance da mão antes de "
                "continuar.",
                "Depois disso, você já pode seguir em frente.",
            ),
            outro=(
                "E pronto: você concluiu {title}.",
                "Agora você sabe lidar com {title} por conta própria.",
            ),
        ),
    },
    tones={
        "educational": Tone(
            opener=("Vamos aprender algo útil hoje.", "Aqui está algo que vale a pena entender."),
            aside=(
                "Preste atenção ao raciocínio, não só aos fatos.",
                "Este é um bom momento para fazer uma pausa e ligar as ideias.",
                "Lembre-se: entender é melhor do que decorar.",
                "Anote este ponto, ele vai voltar.",
            ),
            closer=(
                "Continue aprendendo, e continue perguntando por quê.",
                "Revise tudo amanhã mais uma vez, e isso vai ficar com você.",
            ),
        ),
        "inspirational": Tone(
            opener=(
                "Você é capaz de muito mais do que imagina.",
                "Hoje é um bom dia para começar.",
            ),
            aside=(
                "Acredite nisso.",
                "Você consegue!",
                "Cada passo conta, até o menor deles.",
                "O seu esforço importa mais do que você pensa.",
                "Continue!",
            ),
            closer=(
                "Vá lá e faça acontecer!",
                "O melhor ainda está por vir, então continue seguindo em frente.",
            ),
        ),
        "comedic": Tone(
            opener=(
                "Bom, apertem os cintos, porque isso é mais engraçado do que deveria.",
                "Aviso: isso vai ficar um pouco absurdo.",
            ),
            aside=(
                "Sim, é sério. Eu conferi. Duas vezes.",
                "Se parece absurdo, é porque é, só um pouquinho.",
                "Meu gato não ficou impressionado, mas meu gato nunca fica impressionado.",
                "Não ria. Tá bom, ria um pouco.",
                "Reviravolta: na verdade, faz sentido.",
            ),
            closer=(
                "Se você sorriu pelo menos uma vez, minha missão está cumprida.",
                "Conte para um amigo e finja que você sempre soube disso.",
            ),
        ),
        "dramatic": Tone(
            opener=(
                "Tudo o que você achava que sabia está prestes a mudar.",
                "Escute com atenção. Isso importa.",
            ),
            aside=(
                "Pense nisso.",
                "E então... silêncio.",
                "Nada jamais seria como antes.",
                "Nunca houve tanto em jogo.",
                "Um instante. Uma escolha.",
            ),
            closer=("A pergunta é: o que você vai fazer agora?", "Lembre-se deste momento."),
        ),
        "casual": Tone(
            opener=("E aí, então, a parada é a seguinte.", "Beleza, vamos simplificar."),
            aside=(
                "Bem legal, né?",
                "Nada de mais, mas é bom saber.",
                "Sinceramente, é a parte que eu mais curto.",
                "Fica comigo, que melhora.",
                "Fácil, né?",
            ),
            closer=(
                "Enfim, por hoje é isso. Até a próxima!",
                "Então é isso, experimenta e depois me conta como foi.",
            ),
        ),
        "professional": Tone(
            opener=("Aqui está uma visão geral objetiva.", "Vamos focar no que mais importa."),
            aside=(
                "Isso tem impacto direto nos resultados.",
                "Os fatos confirmam essa abordagem de forma consistente.",
                "É um ponto prático que merece ação.",
                "Clareza nesta fase economiza tempo e recursos mais adiante.",
            ),
            closer=(
                "Obrigado pela atenção.",
                "Os próximos passos são claros e objetivos.",
            ),
        ),
    },
)
