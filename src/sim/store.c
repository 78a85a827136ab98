/*
 * store.c: the merchants a simulated terminal can belong to, with the
 * Russian and Kazakh names, cities and addresses real cheques carry.  The
 * city is written the way the vendor's example writes it ("Казахстан, г.
 * Алматы,"), and one name holds quotes so JSON escaping gets exercised.
 */
#include "sim/sim.h"

static const sim_store stores[] = {
    { "ИП Әсем Қызылорда", "Казахстан, г. Кызылорда,", "ул. Әйтеке би, 25",
      "920340012345", "30245612" },
    { "ТОО Береке", "Казахстан, г. Алматы,", "пр. Абая, 150",
      "180940023456", "31013787" },
    { "ИП Нұрлан Өскемен", "Казахстан, г. Усть-Каменогорск,", "ул. Қазақстан, 64",
      "850712301234", "30877120" },
    { "ТОО \"Шаңырақ Маркет\"", "Казахстан, г. Астана,", "пр. Мәңгілік Ел, 37",
      "210240009876", "31520448" },
};

unsigned sim_store_count(void)
{
    return sizeof stores / sizeof stores[0];
}

const sim_store *sim_store_get(unsigned index)
{
    return &stores[index < sim_store_count() ? index : 0];
}
